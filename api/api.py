from ninja import NinjaAPI

api = NinjaAPI(title="公文系统 API", version="1", urls_namespace="api", openapi_url="/openapi.json")
