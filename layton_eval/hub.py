"""Downloads from the Hugging Face Hub (cached by huggingface_hub), with one-line errors."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from urllib.parse import urlparse

from layton_eval.errors import DatasetError

__all__ = ["download_dataset_file"]


def download_dataset_file(
    repo_id: str,
    filename: str,
    *,
    revision: str | None = None,
    offline_hint: str = "or --dataset sample for the bundled sample",
) -> Path:
    """Local path of ``filename`` from the Hub dataset ``repo_id`` (downloaded once, then cached).

    Raises :class:`DatasetError` naming the offline alternatives when the Hub cannot be reached.
    """
    from huggingface_hub import constants, hf_hub_download  # heavy: only when the Hub is used
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"{repo_id}/{filename}" + (f"@{revision}" if revision else "")
    # huggingface_hub retries a failed connection for ~20 s and logs each retry; when the Hub's
    # host does not even resolve, go straight to the local cache instead.
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    offline = constants.HF_HUB_OFFLINE or not _resolves(urlparse(constants.ENDPOINT).hostname)
    try:
        return Path(
            hf_hub_download(
                repo_id=repo_id,
                filename=filename,
                repo_type="dataset",
                revision=revision,
                local_files_only=offline,
            )
        )
    except (RepositoryNotFoundError, RevisionNotFoundError, RemoteEntryNotFoundError) as exc:
        raise DatasetError(f"{where} does not exist on the Hugging Face Hub") from exc
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as exc:
        raise DatasetError(
            f"cannot download {where} from the Hugging Face Hub ({type(exc).__name__}); "
            "use --data-dir DIR (or LAYTON_DATA_DIR) with a local copy"
            + (f", {offline_hint}" if offline_hint else "")
        ) from exc


def _resolves(host: str | None) -> bool:
    if not host:
        return False
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True
