import smtplib
from email.message import EmailMessage

msg = EmailMessage()
msg["Subject"] = "nightly report"
msg["From"] = "reports@example.com"
msg["To"] = "team@example.com"
msg.set_content(open("report.txt").read())
with smtplib.SMTP("smtp.example.com", 587) as s:
    s.starttls()
    s.send_message(msg)
