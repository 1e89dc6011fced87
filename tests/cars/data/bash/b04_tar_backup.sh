#!/bin/bash
stamp=$(date +%Y%m%d)
mkdir -p backups
tar czf "backups/project-$stamp.tar.gz" src/ README.md
ls -lh backups/
