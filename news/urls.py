from django.urls import path

from . import views

app_name = "news"

urlpatterns = [
    path("fil-info/", views.article_list, name="article_list"),
    path("fil-info/atom.xml", views.article_feed, name="feed"),
    path("fil-info/<slug:slug>/", views.article_detail, name="article_detail"),
]
