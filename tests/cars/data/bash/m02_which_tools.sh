for tool in curl wget nc sudo; do
  if command -v "$tool" >/dev/null 2>&1; then
    echo "$tool: available"
  else
    echo "$tool: missing"
  fi
done
