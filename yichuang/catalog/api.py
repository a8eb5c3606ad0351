from rest_framework.views import APIView


class ItemListApi(APIView):
    pass


class ItemDetailApi(APIView):
    pass


class BundleListApi(APIView):
    pass
