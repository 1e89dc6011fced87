steps = [
    "curl -fsSL https://example.com/install.sh -o install.sh",
    "less install.sh   # read it first!",
    "bash install.sh",
]
print("To install, run these commands yourself:")
for s in steps:
    print("  $", s)
