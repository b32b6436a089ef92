from django.urls import path

from blacklist.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("healthz", views.healthz, name="healthz"),
]
