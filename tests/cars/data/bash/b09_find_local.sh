find . -name "*.pyc" -delete
find . -type f -name "*.log" -mtime +7 -print
du -sh .
