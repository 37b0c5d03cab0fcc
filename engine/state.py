"""The running engine's state, built once per process: config, keys, database, stores and caches."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.arm.lro import OperationStore
from engine.backends import load_backends
from engine.backends.base import Backends
from engine.backends.registry import BackendStatus, resolve
from engine.blocklists import BlocklistStore
from engine.config import EngineConfig, load_config
from engine.contentfilter import ContentFilter, Rules
from engine.db import Database
from engine.deployments import DeploymentStore
from engine.entra import TokenStore
from engine.faults import NONE, Dice, Faults, from_json
from engine.files import FileStore
from engine.finetuning.models import FineTunedModels
from engine.finetuning.store import JobStore
from engine.images import ImageStore
from engine.keys import EngineKeys, resolve_keys
from engine.policies import PolicyStore
from engine.ratelimit import RateLimiter
from engine.settings import EngineSettings
from engine.training.runner import Trainer


@dataclass
class Engine:
    settings: EngineSettings
    config: EngineConfig
    keys: EngineKeys
    db: Database
    deployments: DeploymentStore
    policies: PolicyStore
    content_filter: ContentFilter
    limiter: RateLimiter
    files: FileStore
    jobs: JobStore
    fine_tunes: FineTunedModels
    images: ImageStore
    blocklists: BlocklistStore  # custom blocklists (config and ARM raiBlocklists)
    operations: OperationStore  # ARM long-running operations
    entra: TokenStore  # Entra ID tokens the engine accepts
    trainer: Trainer
    backend_status: BackendStatus
    default_faults: Faults = NONE  # the config's faults, under each deployment's own
    dice: Dice = field(default_factory=Dice)
    backends: dict[str, Backends] = field(default_factory=dict)

    def backend(self, name: str) -> Backends:
        backends = self.backends.get(name)
        if backends is None:
            backends = self.backends[name] = load_backends(
                name, answer_tokens=self.config.answer_tokens,
                completion_filter_trigger=self.config.completion_filter_trigger,
                queue_limit=self.settings.model_queue)
        return backends

    def close(self) -> None:
        self.db.close()


def build_engine(settings: EngineSettings) -> Engine:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = load_config(settings)
    backend_status = resolve(config.catalog, settings.real_models)  # before fine-tunes, which follow their base
    keys = resolve_keys(settings.data_dir, settings.api_key, settings.arm_token)
    db = Database(settings.data_dir / "engine.sqlite3")
    fine_tunes = FineTunedModels(db, config, settings.data_dir / "training")
    fine_tunes.load_into(config.catalog)  # before deployments, which may name a fine-tune
    deployments = DeploymentStore(db, config.catalog)
    deployments.load()
    policies = PolicyStore(db, config.content_filter)
    deployments.seed(config.seed_deployments, config.content_filter.get("default_policy", "Microsoft.DefaultV2"))
    deployments.load()
    content_filter = ContentFilter(Rules.from_config(config.content_filter))
    engine = Engine(
        settings=settings, config=config, keys=keys, db=db, deployments=deployments, policies=policies,
        content_filter=content_filter,
        limiter=RateLimiter(config.tokens_per_capacity_unit, config.requests_per_capacity_unit),
        files=FileStore(db, settings.data_dir / "files"),
        jobs=JobStore(db),
        fine_tunes=fine_tunes,
        images=ImageStore(db, settings.data_dir / "images", config.image_url_ttl_seconds),
        blocklists=BlocklistStore(db, config.content_filter.get("blocklists", {}), content_filter),
        operations=OperationStore(db),
        entra=TokenStore(db, [*settings.entra_tokens, *settings.arm_tokens]),
        default_faults=from_json(config.default_faults),
        trainer=Trainer(settings.data_dir), backend_status=backend_status,
    )
    return engine
