from django.urls import path

from search import views

app_name = "search"
urlpatterns = [
    path("", views.search, name="home"),
    path("image/", views.search_by_image, name="image"),
    path("items/<int:pk>/", views.item_detail, name="item"),
]
