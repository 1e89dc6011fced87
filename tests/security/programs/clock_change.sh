# Sets the system clock to the year 2001.
echo "attempting clock_settime"
date -s "2001-01-01 00:00:00"
echo "date: status $?"
