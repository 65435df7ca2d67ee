"""One Settings object for the whole service, read from PARKMATCH_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The starter dataset shipped with the code; a deployment may point data_dir elsewhere.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARKMATCH_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/parkmatch.db",
        description="数据库地址 / SQLAlchemy URL; SQLite by default, postgresql+psycopg://… for PostgreSQL",
    )
    data_dir: Path = Field(default=DATA_DIR, description="初始数据目录 / Starter dataset folder")
    var_dir: Path = Field(default=Path("var"), description="运行数据目录 / Folder for index and caches")
    encoder_backend: Literal["use", "sentence-transformers"] = "use"
    encoder_model_dir: Path | None = Field(
        default=None, description="sentence-transformers 本地模型目录 / Local model folder"
    )
    propagation_hops: int = Field(default=2, ge=0, le=6, description="图传播跳数 K / Propagation hops K")
    propagation_alpha: float = Field(
        default=0.5, ge=0, le=1, description="保留自身文本的比例 α / Share of a node's own text vector"
    )
    index_folder: Path | None = Field(
        default=None, description="排序索引目录（默认 var/index）/ Folder of the saved ranking index, var/index by default",
    )
    embedding_cache_dir: Path | None = Field(
        default=None, description="文本向量缓存目录（默认 var/cache）/ Embedding cache folder, var/cache by default"
    )
    engine_at_startup: bool = Field(
        default=True,
        description="启动时构建匹配引擎；否则在首次使用时构建 / Build the matching engine at start-up, else on first use",
    )
    warm_up: Literal["before_ready", "background"] = Field(
        default="before_ready",
        description="何时载入编码模型与分词词典：就绪前，或就绪后在后台（parkmatch serve 的默认）；只有新文本"
                    "（意向企业、企业修改）需要它们，后台载入期间这类请求会等待载入完成 / When to load the encoder's "
                    "model and the segmenter's dictionary: before the server is ready, or in the background once it "
                    "is (what `parkmatch serve` does); only new text (prospects, firm edits) needs them, and such a "
                    "request made meanwhile waits for the load to finish",
    )
    max_import_mb: float = Field(default=32, gt=0, description="导入文件上限（MB）/ Import size limit, MB")
    auth_max_failures: int = Field(
        default=10, ge=1, description="每分钟允许的失败密钥尝试 / Failed key attempts allowed per minute per address"
    )
    key_cache_seconds: float = Field(
        default=2.0, ge=0, le=60,
        description="已验证密钥的缓存秒数；撤销在其他进程中最迟于此后生效，0 为不缓存 / Seconds a checked key is "
                    "remembered; a revocation reaches other worker processes within this time; 0 turns it off",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Cookie 仅经 HTTPS 发送；在 TLS 反向代理之后请打开 / Mark cookies Secure; turn on behind TLS",
    )
    log_level: str = Field(default="WARNING", description="日志级别 / Log level")
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def index_dir(self) -> Path:
        return self.index_folder or self.var_dir / "index"

    @property
    def cache_dir(self) -> Path:
        return self.embedding_cache_dir or self.var_dir / "cache"


@lru_cache
def get_settings() -> Settings:
    """Read settings once per process."""
    return Settings()
