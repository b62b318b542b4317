"""Not yet mounted: the pages of the auctions app come in the next part of issue 7."""

app_name = "auctions"
urlpatterns: list[object] = []
