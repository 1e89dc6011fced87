wget_opts="--quiet --tries=3"
curl_timeout=10
sudo_user=${SUDO_USER:-nobody}
echo "$wget_opts $curl_timeout $sudo_user"
