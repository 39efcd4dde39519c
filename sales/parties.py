"""What an order and a question before ordering share: a buyer and a seller,
each with when they last read the conversation."""


class TwoParties:
    """A model with ``buyer`` and ``seller``, and ``buyer_read_at`` and
    ``seller_read_at``."""

    def role_of(self, user):
        """'buyer', 'seller' or None."""
        if user.pk == self.buyer_id:
            return "buyer"
        if user.pk == self.seller_id:
            return "seller"
        return None

    def other_party(self, user):
        return self.seller if user.pk == self.buyer_id else self.buyer

    def read_at_field(self, user):
        """The field holding when this participant last read the conversation."""
        return "seller_read_at" if user.pk == self.seller_id else "buyer_read_at"

    def read_at_for(self, user):
        """When this participant last read the conversation (None: never)."""
        return getattr(self, self.read_at_field(user))
