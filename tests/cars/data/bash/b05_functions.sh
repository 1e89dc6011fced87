#!/usr/bin/env bash
greet() {
  local name=${1:-world}
  printf 'Hello, %s!\n' "$name"
}
square() { echo $(( $1 * $1 )); }
greet
greet "Ada"
echo "7^2 = $(square 7)"
