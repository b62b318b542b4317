from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("tenders/<str:code>/evaluation-terms/", views.terms, name="terms"),
    path("tenders/<str:code>/lots/<str:lot_code>/committee/", views.committee_form, name="committee_form"),
    path(
        "tenders/<str:code>/lots/<str:lot_code>/members/<int:member_id>/replace/",
        views.member_replace,
        name="member_replace",
    ),
    path("tenders/<str:code>/lots/<str:lot_code>/report/close/", views.report_close, name="report_close"),
    path("tenders/<str:code>/lots/<str:lot_code>/publicity/", views.publicity, name="publicity"),
    path("tenders/<str:code>/lots/<str:lot_code>/award/", views.award, name="award"),
    path("tenders/<str:code>/lots/<str:lot_code>/contract/", views.contract, name="contract"),
    path("tenders/<str:code>/lots/<str:lot_code>/result/", views.result, name="result"),
    path("tenders/<str:code>/lots/<str:lot_code>/objections/", views.objection_raise, name="objection_raise"),
    path(
        "tenders/<str:code>/lots/<str:lot_code>/objections/<int:pk>/answer/",
        views.objection_answer,
        name="objection_answer",
    ),
    path(
        "tenders/<str:code>/lots/<str:lot_code>/candidates/<int:bid_id>/exclude/",
        views.candidate_exclude,
        name="candidate_exclude",
    ),
    path(
        "tenders/<str:code>/lots/<str:lot_code>/supervisor-report/",
        views.supervisor_report,
        name="supervisor_report",
    ),
    path("committees/<int:pk>/", views.workspace, name="workspace"),
    path("committees/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("committees/<int:pk>/bids/<int:bid_id>/files/<path:name>", views.bid_file, name="bid_file"),
    path("committees/<int:pk>/bids/<int:bid_id>/review/", views.review, name="review"),
    path("committees/<int:pk>/bids/<int:bid_id>/score/", views.score, name="score"),
    path("committees/<int:pk>/report/", views.report_draft, name="report_draft"),
    path("committees/<int:pk>/report/sign/", views.report_sign, name="report_sign"),
    path("committees/<int:pk>/bids/<int:bid_id>/correction/", views.price_correction, name="price_correction"),
    path("corrections/<int:pk>/answer/", views.correction_answer, name="correction_answer"),
    path("committees/<int:pk>/tie-draw/", views.tie_draw_request, name="tie_draw_request"),
    path("committees/<int:pk>/tie-draw/<int:draw_id>/", views.tie_draw_run, name="tie_draw_run"),
    path("committees/<int:pk>/reject-all/", views.reject_all, name="reject_all"),
    path("committees/<int:pk>/more-time/", views.more_time, name="more_time"),
    path("committees/<int:pk>/bids/<int:bid_id>/questions/", views.question_ask, name="question_ask"),
    path("questions/", views.my_questions, name="my_questions"),
    path("questions/<int:pk>/answer/", views.question_answer, name="question_answer"),
]
