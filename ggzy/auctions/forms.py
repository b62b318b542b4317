"""Not yet: the pages, API and live pushes of the auctions app come in the next part of issue 7."""
