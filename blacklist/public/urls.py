from django.urls import path

from blacklist.public import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("entries/<str:public_id>/", views.entry_detail, name="entry-detail"),
    path("entries/<str:public_id>/object/", views.objection_create, name="objection-create"),
    path("objections/", views.objection_lookup, name="objection-lookup"),
    path("objections/<str:reference>/", views.objection_status, name="objection-status"),
    path("stats/", views.stats_page, name="stats"),
    path("digests/<int:year>-<int:month>/", views.digest_detail, name="digest-detail"),
    path("exports/", views.exports_page, name="exports"),
    path("exports/<int:pk>/<str:filename>", views.export_download, name="export-download"),
    path("healthz", views.healthz, name="healthz"),
]
