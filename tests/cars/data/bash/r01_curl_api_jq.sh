curl -s https://api.github.com/repos/torvalds/linux | jq '.stargazers_count'
