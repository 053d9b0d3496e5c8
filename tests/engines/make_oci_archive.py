#!/usr/bin/env python3
"""Builds an OCI image archive (an image layout in a tar) from a root filesystem directory.

    make_oci_archive.py ROOTFS OUT.tar NAME [CMD...]

One layer (the directory as a gzipped tar, owned by root), a config for linux on this machine's
architecture, and an index whose manifest carries NAME both as org.opencontainers.image.ref.name
and as io.containerd.image.name, so that `ctr images import` and `podman load` name the image.
Offline and without any image tool: the test engines import what this writes.
"""
import gzip
import hashlib
import io
import json
import os
import platform
import sys
import tarfile

ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'arm', 'ppc64le': 'ppc64le',
        's390x': 's390x', 'riscv64': 'riscv64'}


def layer_of(rootfs):
    """The directory as an uncompressed tar (root-owned, fixed mtimes) and its gzip."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.PAX_FORMAT) as tar:
        def owned_by_root(info):
            info.uid = info.gid = 0
            info.uname = info.gname = 'root'
            info.mtime = 0
            return info
        for name in sorted(os.listdir(rootfs)):
            tar.add(os.path.join(rootfs, name), arcname=name, filter=owned_by_root)
    raw_bytes = raw.getvalue()
    return raw_bytes, gzip.compress(raw_bytes, mtime=0)


def blob(tar, data):
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo('blobs/sha256/' + digest.split(':', 1)[1])
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
    return digest


def add_file(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rootfs, out, name = sys.argv[1:4]
    cmd = sys.argv[4:] or ['sh']
    arch = ARCH.get(platform.machine(), platform.machine())
    raw, compressed = layer_of(rootfs)
    config = json.dumps({
        'architecture': arch,
        'os': 'linux',
        'config': {'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
                   'Cmd': cmd, 'WorkingDir': '/'},
        'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + hashlib.sha256(raw).hexdigest()]},
    }, sort_keys=True).encode()
    with tarfile.open(out, 'w') as tar:
        layer_digest = blob(tar, compressed)
        config_digest = blob(tar, config)
        manifest = json.dumps({
            'schemaVersion': 2,
            'mediaType': 'application/vnd.oci.image.manifest.v1+json',
            'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                       'digest': config_digest, 'size': len(config)},
            'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip',
                        'digest': layer_digest, 'size': len(compressed)}],
        }, sort_keys=True).encode()
        manifest_digest = blob(tar, manifest)
        index = json.dumps({
            'schemaVersion': 2,
            'manifests': [{
                'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                'digest': manifest_digest, 'size': len(manifest),
                'platform': {'architecture': arch, 'os': 'linux'},
                'annotations': {'org.opencontainers.image.ref.name': name,
                                'io.containerd.image.name': name},
            }],
        }, sort_keys=True).encode()
        add_file(tar, 'oci-layout', b'{"imageLayoutVersion":"1.0.0"}')
        add_file(tar, 'index.json', index)


if __name__ == '__main__':
    main()
