from django.urls import path, re_path

from blacklist.api import views

urlpatterns = [
    path("programmes/", views.ProgrammeList.as_view(), name="api-programmes"),
    path("notices/", views.NoticeList.as_view(), name="api-notices"),
    path("notices/<int:pk>/", views.NoticeDetail.as_view(), name="api-notice"),
    path("entries/", views.EntryList.as_view(), name="api-entries"),
    path("entries/<str:public_id>/", views.EntryDetail.as_view(), name="api-entry"),
    path("checks/", views.Checks.as_view(), name="api-checks"),
    path("keys/", views.Keys.as_view(), name="api-keys"),
    path("changes/", views.Changes.as_view(), name="api-changes"),
    path("monitors/", views.Monitors.as_view(), name="api-monitors"),
    # path: a ref may hold a slash (sent as %2F, which the server decodes)
    path("monitors/<path:ref>/", views.MonitorDetail.as_view(), name="api-monitor"),
    path("exports/", views.Exports.as_view(), name="api-exports"),
    path("exports/<int:pk>/download/", views.ExportDownload.as_view(), name="api-export-download"),
    # [\s\S], not ".": a path with a newline in it is still answered with the JSON 404
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found, name="api-not-found"),
]
