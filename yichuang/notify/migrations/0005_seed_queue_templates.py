"""Seed the hall's templates (appointment booked and cancelled, a ticket called); existing rows are kept.
The body's help text lists the placeholders, which now include the hall's."""

from django.db import migrations, models


def seed(apps, schema_editor):
    from yichuang.notify.defaults import DEFAULT_TEMPLATES

    SmsTemplate = apps.get_model("notify", "SmsTemplate")
    for code, default in DEFAULT_TEMPLATES.items():
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": default.name, "body": default.body})


class Migration(migrations.Migration):
    dependencies = [("notify", "0004_staff_notice")]

    operations = [
        migrations.AlterField(
            model_name='smstemplate',
            name='body',
            field=models.TextField(help_text='可用占位符：${number}（办件编号）、${item}（事项名称）、${point}（受理或领取地点（服务点名称））、${due_date}（承诺办结日期）、${missing}（需补正的材料（列表以顿号连接））、${reason}（不予受理、不予许可或中止的理由）、${decision}（决定文书名称或文号）、${method}（送达方式（pickup/mail/kiosk 或中文））、${tracking_number}（邮件单号）、${recipient}（签收人）、${ticket}（排队号码，如 A023）、${window}（窗口号）、${reference}（预约号）、${cancel_code}（预约取消码）、${time}（预约日期和时段）、${category}（业务类别）', verbose_name='短信内容'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
