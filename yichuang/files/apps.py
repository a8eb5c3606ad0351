from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "yichuang.files"
    label = "files"
    verbose_name = "材料文件"
