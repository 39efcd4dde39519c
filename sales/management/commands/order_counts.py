"""Check the tab counts against the orders, or rebuild them."""

from django.core.management.base import BaseCommand, CommandError

from sales.counts import order_counts_drift, order_counts_rebuild


class Command(BaseCommand):
    help = (
        "Compare the per-state order counts behind the Sales and My orders tabs "
        "with the orders themselves (exit 1 if they differ); --rebuild recounts them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="recount the counts from the orders (safe while the site runs; order changes wait until it is done)",
        )
        parser.add_argument("--user", type=int, action="append", help="only this user id")

    def handle(self, *args, rebuild, user, **options):
        if rebuild:
            rows = order_counts_rebuild(user)
            self.stdout.write(f"Rebuilt: {rows} count rows written.")
            return
        drift = order_counts_drift(user)
        if not drift:
            self.stdout.write("The counts match the orders.")
            return
        for (user_id, role, state), (stored, counted) in sorted(drift.items()):
            self.stdout.write(
                f"user {user_id} as {role}, {state}: stored {stored}, orders say {counted}"
            )
        raise CommandError(f"{len(drift)} counts differ; run with --rebuild to fix them.")
