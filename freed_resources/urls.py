app_name = "freed_resources"

urlpatterns: list = []
