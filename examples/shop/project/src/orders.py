"""Order intake for Orbit."""

MAX_QUANTITY = 100


def validate(order: dict) -> list[str]:
    """Returns the problems with an order; an empty list means it is acceptable."""
    problems = []
    if not isinstance(order.get("quantity"), int) or not 0 < order["quantity"] <= MAX_QUANTITY:
        problems.append("quantity must be between 1 and 100")
    if not order.get("sku"):
        problems.append("sku is required")
    return problems
