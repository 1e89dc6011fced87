ssh -o BatchMode=yes deploy@build.example.com 'uptime'
