# The script never reads passwords; credentials come from the CI secret store.
usage() {
  echo "usage: $0 <input> <output>"
  echo "  reads <input>, writes <output>; no network, no sudo"
}
usage
