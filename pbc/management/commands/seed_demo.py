from django.core.management.base import BaseCommand

from pbc.demo import seed_demo


class Command(BaseCommand):
    help = "Build (or bring up to date) the demo PCT and print the demo logins. Safe to run again."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo PCT ready. Sign in at http://127.0.0.1:8000/ with:"))
        width = max(len(x.username) for x in logins)
        for login in logins:
            self.stdout.write(
                f"  {login.username:<{width}}  {login.password:<24}  {login.role} — {login.scope}"
            )
