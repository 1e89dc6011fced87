# eval is evil; use arrays instead
args=(--verbose --output "out dir")
printf '[%s]\n' "${args[@]}"
