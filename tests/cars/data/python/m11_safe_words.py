def is_safe_filename(name: str) -> bool:
    """Return True if the filename is safe to use in the output directory."""
    return name.isidentifier() or name.replace("_", "").replace(".", "").isalnum()

print(is_safe_filename("report_2024.csv"))
