"""What an order and a question before ordering share: a buyer and a seller."""


class TwoParties:
    """A model with ``buyer_id`` and ``seller_id``."""

    def role_of(self, user):
        """'buyer', 'seller' or None."""
        if user.pk == self.buyer_id:
            return "buyer"
        if user.pk == self.seller_id:
            return "seller"
        return None
