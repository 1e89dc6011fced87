cmd="$1"
eval "$cmd"
