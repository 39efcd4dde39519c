"""Test data factories, shared by every app's tests."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.models import User
from demo.management.commands.seed_demo import SUPPORT_PERMISSIONS
from jobs.models import Job
from sales.counts import order_counts_move
from sales.models import Order, State, first_requirements_reminder

PASSWORD = "pass-word-123"  # every factory-made user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SupportFactory(UserFactory):
    """A staff member in the Support group, with the permissions seed_demo
    gives that group."""

    is_staff = True

    @factory.post_generation
    def support_group(obj, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name="Support")
            group.permissions.set(Permission.objects.filter(codename__in=SUPPORT_PERMISSIONS))
            obj.groups.add(group)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    seller = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"I will do great work number {n}")
    description = "Careful, on-time work."
    price = Decimal("50.00")
    delivery_days = 3
    revisions = 1
    questions = "What do you need?"


class OrderFactory(factory.django.DjangoModelFactory):
    """An order placed straight into a state, with the fields that state implies.

    Service tests start from here; the services themselves are what move
    orders between states.
    """

    class Meta:
        model = Order

    job = factory.SubFactory(JobFactory)
    buyer = factory.SubFactory(UserFactory)
    seller = factory.LazyAttribute(lambda o: o.job.seller)
    title = factory.LazyAttribute(lambda o: o.job.title)
    price = factory.LazyAttribute(lambda o: o.job.price)
    delivery_days = factory.LazyAttribute(lambda o: o.job.delivery_days)
    revisions_included = factory.LazyAttribute(lambda o: o.job.revisions)
    questions = factory.LazyAttribute(lambda o: o.job.question_list)
    state = State.PENDING
    created_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Straight into a state, so counted the way order_place counts.
        order = super()._create(model_class, *args, **kwargs)
        order_counts_move(order, from_state=None, to_state=order.state)
        return order

    @factory.lazy_attribute
    def started_at(self):
        if self.state == State.PENDING:
            return None
        return timezone.now() - timedelta(days=1)

    @factory.lazy_attribute
    def due_at(self):
        if self.started_at is None:
            return None
        return self.started_at + timedelta(days=self.delivery_days)

    @factory.lazy_attribute
    def requirements_reminder_at(self):
        # As order_place schedules it: only a pending order reminds its buyer.
        return first_requirements_reminder(self.created_at) if self.state == State.PENDING else None

    @factory.lazy_attribute
    def delivered_at(self):
        return timezone.now() if self.state == State.DELIVERED else None
