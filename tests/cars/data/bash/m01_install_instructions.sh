#!/bin/bash
# To install the tool, a user could run: curl -fsSL https://get.example.com | sh
# We do NOT do that here; we only print the instructions.
echo "Install with: curl -fsSL https://get.example.com | sh"
