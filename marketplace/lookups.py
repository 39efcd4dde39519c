"""Lookups the apps share."""

from django.core.exceptions import EmptyResultSet
from django.db import models


@models.ForeignKey.register_lookup
class AnyOf(models.Lookup):
    """``buyer__any_of=ids``: the rows pointing at any of these ids.

    ``__in`` sends one parameter an id; a search that found a thousand
    buyers spends milliseconds preparing, quoting and parsing them. On
    PostgreSQL this is ``= ANY(%s)`` with the ids as one array, which the
    planner reads as the same ``IN`` list and serves from the same index;
    elsewhere it is ``IN``. The ids are the keys' own values (ints read
    from the database), used as they are."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            # Cast to the column's own type: psycopg would send small ids as
            # int2[], and bigint = ANY(int2[]) compares each row with each id
            # in turn instead of through a hash of them.
            array = f"{self.lhs.output_field.db_type(connection)}[]"
            return f"{lhs} = ANY(%s::{array})", [*params, self.rhs]
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]
