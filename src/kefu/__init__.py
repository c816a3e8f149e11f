"""kefu — customer-service management (客户服务管理系统)."""

__version__ = "0.1.0"
