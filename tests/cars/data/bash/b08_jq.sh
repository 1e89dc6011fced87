jq -r '.items[] | select(.active) | "\(.id)\t\(.name)"' inventory.json | sort -k2
