"""No URLs: the benchmark calls services directly."""

urlpatterns: list = []
