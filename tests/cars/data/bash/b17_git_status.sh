git status --short
git log --oneline -10
git diff --stat HEAD~1
