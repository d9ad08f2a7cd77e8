"""Le chemin Kubernetes (deploy/) : manifeste du Job indexé et Dockerfile de l'image de correction.

Aucun cluster ici : le manifeste est validé contre les schémas JSON officiels de Kubernetes
(paquet ``kubernetes-validate``, qui les embarque, hors ligne), en mode strict (un champ
inconnu ou mal placé est une erreur), pour la plus ancienne et la plus récente version
embarquées ; puis sa cohérence avec la commande de correction est vérifiée.
"""
import os
import re
import shlex
import subprocess

import pytest
import yaml

from autograder.chemins import RACINE
from conftest import exiger_ou_ignorer  # noqa: E402

MANIFESTE = RACINE / "deploy" / "kubernetes" / "correction-job.yaml"
DOCKERFILE = RACINE / "deploy" / "Dockerfile"




@pytest.fixture(scope="module")
def job():
    documents = list(yaml.safe_load_all(MANIFESTE.read_text(encoding="utf-8")))
    assert len(documents) == 1
    return documents[0]


def test_le_manifeste_suit_le_schema_officiel_de_kubernetes(job):
    try:
        import kubernetes_validate
        import kubernetes_validate.utils
    except ImportError:
        exiger_ou_ignorer(False, "kubernetes-validate absent (make install) : schémas de Kubernetes indisponibles")
    versions = sorted({v.split("-")[0].lstrip("v") for v in kubernetes_validate.utils.all_versions()},
                      key=lambda v: tuple(map(int, v.split("."))))
    for version in (versions[0], versions[-1]):
        kubernetes_validate.validate(job, version, strict=True)  # lève ValidationError sinon
    faux = {**job, "spec": {**job["spec"], "completionMode": "Indexe", "parallelisme": 8}}
    with pytest.raises(kubernetes_validate.ValidationError):  # le validateur voit bien les erreurs
        kubernetes_validate.validate(faux, versions[-1], strict=True)


def test_le_job_indexe_corrige_une_part_par_pod(job):
    spec = job["spec"]
    assert job["kind"] == "Job" and spec["completionMode"] == "Indexed"
    gabarit = spec["template"]["spec"]
    assert gabarit["restartPolicy"] == "Never"
    (conteneur,) = gabarit["containers"]
    parts = int({e["name"]: e["value"] for e in conteneur["env"]}["PARTS"])
    assert spec["completions"] == spec["parallelism"] == parts
    commande = shlex.split(conteneur["command"][-1])
    assert conteneur["command"][:2] == ["/bin/sh", "-c"]
    assert commande[:4] == ["exec", "python", "-m", "autograder.correction.classe"]
    options = dict(zip(commande[5::2], commande[6::2], strict=True))
    assert options["--sortie"] == "/resultats/parts/part$((JOB_COMPLETION_INDEX+1))"
    assert options["--shard"] == "$((JOB_COMPLETION_INDEX+1))/$PARTS"
    # --processus ne dépasse pas les cœurs demandés ; 4 Gio par noyau d'étudiant (sandbox.py)
    assert int(options["--processus"]) <= int(conteneur["resources"]["requests"]["cpu"])
    assert int(conteneur["resources"]["limits"]["memory"].removesuffix("Gi")) >= 4 * int(options["--processus"])
    montages = {m["mountPath"]: m for m in conteneur["volumeMounts"]}
    assert commande[4] in montages and montages[commande[4]].get("readOnly") is True
    assert "/resultats" in montages
    assert {m["name"] for m in conteneur["volumeMounts"]} == {v["name"] for v in gabarit["volumes"]}


def test_le_shard_du_manifeste_est_celui_de_la_commande(job):
    """Ce que /bin/sh calcule pour chaque index est une part acceptée par le correcteur, chacune une fois."""
    # la fonction de --shard, quel que soit son module
    from autograder.correction.slurm import selectionner_part
    conteneur = job["spec"]["template"]["spec"]["containers"][0]
    parts = {e["name"]: e["value"] for e in conteneur["env"]}["PARTS"]
    vus = set()
    for index in range(job["spec"]["completions"]):
        sortie = subprocess.run(["/bin/sh", "-c", "echo " + conteneur["command"][-1].removeprefix("exec ")],
                                env={"JOB_COMPLETION_INDEX": str(index), "PARTS": parts, "PATH": os.environ["PATH"]},
                                capture_output=True, text=True, check=True).stdout.split()
        shard = sortie[sortie.index("--shard") + 1]
        assert re.fullmatch(rf"{index + 1}/{parts}", shard)
        selectionner_part([], shard)  # ValueError si le correcteur refusait cette part
        assert sortie[sortie.index("--sortie") + 1] == f"/resultats/parts/part{index + 1}"
        vus.add(shard)
    assert len(vus) == int(parts)


def test_le_dockerfile_construit_l_image_depuis_le_fichier_de_verrouillage():
    instructions = [ligne.strip() for ligne in DOCKERFILE.read_text(encoding="utf-8").splitlines()
                    if ligne.strip() and not ligne.lstrip().startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    texte = "\n".join(instructions)
    assert "bubblewrap" in texte and "pip install --no-cache-dir -r requirements.lock" in texte
    copies = [ligne.split()[1] for ligne in instructions if ligne.startswith("COPY")]
    assert "requirements.lock" in copies and {"autograder/", "solutions/", "notebooks/"} <= set(copies)
    for source in copies:  # tout ce que l'image copie existe dans le dépôt
        assert (RACINE / source).exists(), source
