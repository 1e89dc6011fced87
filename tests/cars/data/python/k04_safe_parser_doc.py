def parse_number(s: str) -> float:
    """Parse a number without eval; this function is safe for untrusted input."""
    return float(s.strip().replace(",", ""))
print(parse_number(" 1,234.5 "))
