"""Corrige une grande classe sur un cluster Slurm (``make grade-slurm``).

Usage ::

    python -m autograder.correction.slurm <remises> --sortie OUT --nombre-parts N
        [--cpus-par-tache C] [--duree H:MM:SS] [--sbatch "--partition=… --account=…"]
        [--parts 3,7] [--soumettre-seulement] [--fusionner]

Écrit un script de tableau de tâches (une tâche par part, ``--shard i/N``, résultats dans
``OUT/parts/part<i>``), le soumet avec ``sbatch``, suit les tâches (``squeue``, puis
``sacct`` ou ``scontrol``, et le code de sortie que chaque tâche écrit dans
``OUT/slurm/codes/``), puis fusionne les parts dans ``OUT`` (``python -m
autograder.correction.sorties.fusion``). Une part en échec est signalée avec ses étudiants et se
resoumet seule (``--parts 3``) : la correction de la part reprend là où elle s'était
arrêtée, rien de ce qui est déjà noté n'est refait. Les nœuds du cluster doivent voir
le dépôt, son ``.venv``, les remises et OUT aux mêmes chemins (système de fichiers
partagé) : le script contient les chemins absolus calculés au moment de la soumission.
"""
import argparse
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.chemins import RACINE
from autograder.correction.lecture.remises import decouvrir, selectionner_part

EN_ATTENTE, EN_COURS, TERMINEE, ECHOUEE = "en attente", "en cours", "terminée", "échouée"
#: États Slurm d'une tâche encore active (squeue).
_ACTIFS = {"PENDING": EN_ATTENTE, "CONFIGURING": EN_COURS, "RUNNING": EN_COURS, "COMPLETING": EN_COURS,
           "SUSPENDED": EN_COURS, "REQUEUED": EN_ATTENTE, "RESIZING": EN_COURS, "SIGNALING": EN_COURS,
           "STAGE_OUT": EN_COURS}


class SlurmInjoignable(Exception):
    """squeue n'a pas répondu (contrôleur occupé ou injoignable) : réessayer plus tard."""


@dataclass(frozen=True)
class TachePart:
    """Où en est la tâche d'une part : ``etat`` (en attente, en cours, terminée, échouée)."""
    part: int
    etat: str
    detail: str = ""
    etudiants: tuple = ()
    journal: Path | None = None


@dataclass
class ResultatSlurm:
    """Issue d'une correction sur Slurm ; ``erreur`` dit en français ce qui l'a empêchée."""
    sortie: Path
    nombre_parts: int
    job_id: str | None = None
    script: Path | None = None
    taches: list = field(default_factory=list)
    commande_fusion: str = ""
    fusionne: bool = False
    erreur: str | None = None
    parts_soumises: list = field(default_factory=list)

    @property
    def echecs(self):
        return [t for t in self.taches if t.etat == ECHOUEE]

    @property
    def reussi(self):
        return self.erreur is None and not self.echecs and all(t.etat == TERMINEE for t in self.taches)


@dataclass(frozen=True)
class Disposition:
    """Les chemins d'une correction Slurm dans OUT."""
    sortie: Path

    @property
    def slurm(self):
        return self.sortie / "slurm"

    def part(self, i):
        return self.sortie / "parts" / f"part{i}"

    def code(self, i):
        return self.slurm / "codes" / f"part{i}"

    def journal(self, i, job_id):
        return self.slurm / "journaux" / f"part{i}-{job_id}.txt"


def python_du_depot():
    """Le Python du ``.venv`` du dépôt (chemin absolu), sinon celui qui exécute ce module."""
    venv = RACINE / ".venv" / "bin" / "python"
    return str(venv.absolute()) if venv.exists() else sys.executable


def script_batch(*, remises: Path, sortie: Path, nombre_parts: int, parts: list[int], cpus_par_tache: int = 2,
                 duree: str = "4:00:00", python: str | None = None, delai_cellule: int | None = None) -> str:
    """Texte du script ``sbatch`` : un tableau de tâches, une par part de ``parts``."""
    d = Disposition(Path(sortie).absolute())
    q = shlex.quote
    codes = q(str(d.slurm / "codes"))
    correction = shlex.join([python or python_du_depot(), "-m", "autograder.correction.classe",
                             str(Path(remises).absolute()), "--sortie"])
    correction += f" {q(str(d.sortie / 'parts'))}/part$i --shard $i/{int(nombre_parts)}"
    correction += " --processus ${SLURM_CPUS_PER_TASK:-1}"
    if delai_cellule:
        correction += f" --delai-cellule {int(delai_cellule)}"
    return "\n".join([
        "#!/bin/bash",
        "# Écrit par python -m autograder.correction.slurm : une tâche = une part de la classe.",
        "#SBATCH --job-name=correction-tp",
        f"#SBATCH --array={','.join(map(str, parts))}",
        "#SBATCH --ntasks=1",
        f"#SBATCH --cpus-per-task={int(cpus_par_tache)}",
        f"#SBATCH --time={duree}",
        "# Journal de chaque tâche : --output, donné à sbatch (le chemin peut contenir des espaces).",
        "i=$SLURM_ARRAY_TASK_ID",
        f"cd {q(str(RACINE))} || exit 1",
        f"rm -f {codes}/part$i",
        correction,
        "code=$?",
        f"echo $code > {codes}/part$i.tmp && mv {codes}/part$i.tmp {codes}/part$i",
        "exit $code",
        "",
    ])


def _commande(args):
    """(code, sortie standard, erreur) d'une commande Slurm ; code 127 si elle est absente."""
    try:
        fini = subprocess.run(args, check=False, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return 127, "", f"{args[0]} introuvable (Slurm n'est pas installé sur cette machine ?)"
    except subprocess.TimeoutExpired:
        return 124, "", f"{args[0]} ne répond pas (contrôleur Slurm injoignable ?)"
    return fini.returncode, fini.stdout, fini.stderr.strip()


def _etats_slurm_finis(job_id):
    """{part: état Slurm} des tâches finies : sacct, ou scontrol sans base de comptabilité."""
    code, texte, _ = _commande(["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,ExitCode"])
    etats = {}
    if code == 0:
        for ligne in texte.splitlines():
            ident, etat, sortie = (ligne.split("|") + ["", ""])[:3]
            if "_" in ident and ident.split("_")[1].isdigit():
                etats[int(ident.split("_")[1])] = f"{etat.split()[0]} (code {sortie})"
        if etats:
            return etats
    code, texte, _ = _commande(["scontrol", "-o", "show", "job", job_id])
    for ligne in texte.splitlines() if code == 0 else []:
        champs = dict(c.split("=", 1) for c in ligne.split() if "=" in c)
        if champs.get("ArrayTaskId", "").isdigit():
            etats[int(champs["ArrayTaskId"])] = f"{champs.get('JobState', '?')} (code {champs.get('ExitCode', '?')})"
    return etats


def etat_des_taches(*, job_id: str, sortie: Path, parts: list[int], etudiants: dict) -> list[TachePart]:
    """État de chaque tâche : squeue pour les actives, le code écrit par le script pour les finies.

    Une tâche qui a quitté la file sans écrire son code a été tuée par Slurm (durée
    dépassée, annulée, mémoire) : sacct, ou scontrol quand la comptabilité est désactivée,
    dit pourquoi. Lève ``SlurmInjoignable`` si squeue ne répond pas.
    """
    d = Disposition(Path(sortie).absolute())
    code, texte, message = _commande(["squeue", "-h", "-r", "-j", job_id, "-o", "%K|%T"])
    if code not in (0, 127) and "Invalid job id" not in message:  # job purgé : plus dans la file
        raise SlurmInjoignable(message or f"squeue : code {code}")
    actives = {}
    for ligne in texte.splitlines() if code == 0 else []:
        indice, _, etat = ligne.partition("|")
        if indice.strip().isdigit():
            actives[int(indice)] = etat.strip()
    finies_slurm = None
    taches = []
    for i in parts:
        commun = {"part": i, "etudiants": tuple(etudiants.get(i, ())), "journal": d.journal(i, job_id)}
        if i in actives and actives[i] in _ACTIFS:
            taches.append(TachePart(etat=_ACTIFS[actives[i]], detail=actives[i], **commun))
        elif d.code(i).exists():
            valeur = d.code(i).read_text().strip()
            taches.append(TachePart(etat=TERMINEE if valeur == "0" else ECHOUEE,
                                    detail="" if valeur == "0" else f"la correction a échoué (code {valeur})",
                                    **commun))
        else:
            if finies_slurm is None:
                finies_slurm = _etats_slurm_finis(job_id)
            detail = finies_slurm.get(i) or actives.get(i) or "sortie de la file"
            if detail.split()[0] in _ACTIFS:  # squeue ne l'a pas encore vue, scontrol si
                taches.append(TachePart(etat=_ACTIFS[detail.split()[0]], detail=detail, **commun))
                continue
            if detail.startswith("COMPLETED"):
                detail += f", mais aucun code dans {d.code(i).parent} : OUT est-il sur un disque partagé ?"
            taches.append(TachePart(etat=ECHOUEE, detail=f"arrêtée par Slurm, sans code de sortie : {detail}",
                                    **commun))
    return taches


def ligne_de_progression(taches: list[TachePart], job_id: str) -> str:
    compte = {e: sum(t.etat == e for t in taches) for e in (EN_ATTENTE, EN_COURS, TERMINEE, ECHOUEE)}
    return (f"Slurm, job {job_id} : {compte[EN_ATTENTE]} tâche(s) en attente, {compte[EN_COURS]} en cours, "
            f"{compte[TERMINEE]} terminée(s), {compte[ECHOUEE]} en échec (sur {len(taches)})")


def commande_de_fusion(sortie: Path, nombre_parts: int) -> str:
    d = Disposition(Path(sortie).absolute())
    return shlex.join([python_du_depot(), "-m", "autograder.correction.sorties.fusion", "--sortie", str(d.sortie),
                       *(str(d.part(i)) for i in range(1, nombre_parts + 1))])


def _etudiants_par_part(remises, nombre_parts):
    soumissions, _ = decouvrir(Path(remises))
    return {i: [s.etudiant for s in selectionner_part(soumissions, f"{i}/{nombre_parts}")]
            for i in range(1, nombre_parts + 1)}


def _verifier_nombre_parts(d, nombre_parts):
    """Le nombre de parts est fixé à la première soumission (sinon les tranches changent)."""
    fichier = d.slurm / "nombre_parts"
    if fichier.exists() and fichier.read_text().strip() != str(nombre_parts):
        return (f"{d.sortie} a été découpé en {fichier.read_text().strip()} parts, pas {nombre_parts} : "
                f"reprenez avec le même nombre de parts, ou choisissez un autre dossier de sortie.")
    fichier.parent.mkdir(parents=True, exist_ok=True)
    fichier.write_text(f"{nombre_parts}\n")
    return None


def _dire_echecs(resultat, remises, ecran):
    for tache in resultat.echecs:
        noms = ", ".join(tache.etudiants) or "aucun étudiant"
        journal = f" ; journal : {tache.journal}" if tache.journal else ""
        print(f"  part {tache.part}/{resultat.nombre_parts} en échec ({tache.detail}) ; étudiants : {noms}{journal}",
              file=ecran)
    parts = ",".join(str(t.part) for t in resultat.echecs)
    print("Pour ne resoumettre que ces parts (ce qui est déjà noté n'est pas refait) :\n  "
          + shlex.join([python_du_depot(), "-m", "autograder.correction.slurm", str(Path(remises).absolute()),
                        "--sortie", str(resultat.sortie), "--nombre-parts", str(resultat.nombre_parts),
                        "--parts", parts]), file=ecran)


def fusionner_si_complet(*, remises: Path, sortie: Path, nombre_parts: int, ecran=None) -> ResultatSlurm:
    """Fusionne les parts dans ``sortie`` si toutes ont été corrigées sans erreur."""
    ecran = ecran or sys.stdout
    d = Disposition(Path(sortie).absolute())
    resultat = ResultatSlurm(sortie=d.sortie, nombre_parts=nombre_parts,
                             commande_fusion=commande_de_fusion(d.sortie, nombre_parts))
    etudiants = _etudiants_par_part(remises, nombre_parts)
    for i in range(1, nombre_parts + 1):
        valeur = d.code(i).read_text().strip() if d.code(i).exists() else None
        etat, detail = (TERMINEE, "") if valeur == "0" else (
            ECHOUEE, "jamais terminée" if valeur is None else f"la correction a échoué (code {valeur})")
        resultat.taches.append(TachePart(part=i, etat=etat, detail=detail, etudiants=tuple(etudiants[i])))
    if resultat.echecs:
        resultat.erreur = f"{len(resultat.echecs)} part(s) sur {nombre_parts} non corrigée(s) : pas de fusion."
        print(resultat.erreur, file=ecran)
        _dire_echecs(resultat, remises, ecran)
        return resultat
    print(f"Fusion des {nombre_parts} parts dans {d.sortie}…", file=ecran, flush=True)
    fusion = subprocess.run(shlex.split(resultat.commande_fusion), check=False, cwd=RACINE, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print(fusion.stdout, end="", file=ecran, flush=True)
    resultat.fusionne = fusion.returncode == 0
    if not resultat.fusionne:
        resultat.erreur = f"la fusion a échoué (code {fusion.returncode})"
    return resultat


def _suivre(resultat, etudiants, intervalle, ecran):
    """Affiche l'avancement jusqu'à ce que toutes les tâches soient finies (une ligne rafraîchie)."""
    interactif = hasattr(ecran, "isatty") and ecran.isatty()
    derniere, silences = None, 0
    while True:
        try:
            taches = etat_des_taches(job_id=resultat.job_id, sortie=resultat.sortie, parts=resultat.parts_soumises,
                                     etudiants=etudiants)
            silences = 0
        except SlurmInjoignable as raison:
            silences += 1
            if silences in (1, 30):
                print(f"\nsqueue ne répond pas ({raison}) : nouvel essai dans {intervalle:g} s", file=ecran, flush=True)
            time.sleep(intervalle)
            continue
        ligne = ligne_de_progression(taches, resultat.job_id)
        if interactif:
            print("\r" + ligne, end="", file=ecran, flush=True)
        elif ligne != derniere:
            print(ligne, file=ecran, flush=True)
        derniere = ligne
        if all(t.etat in (TERMINEE, ECHOUEE) for t in taches):
            if interactif:
                print(file=ecran)
            return taches
        time.sleep(intervalle)


def corriger_sur_slurm(*, remises: Path, sortie: Path, nombre_parts: int, parts: list[int] | None = None,
                       cpus_par_tache: int = 2, duree: str = "4:00:00", options_sbatch: list[str] = (),
                       soumettre_seulement: bool = False, delai_cellule: int | None = None,
                       intervalle: float = 10.0, ecran=None) -> ResultatSlurm:
    """Soumet les parts ``parts`` (toutes par défaut), suit les tâches, puis fusionne."""
    ecran = ecran or sys.stdout
    d = Disposition(Path(sortie).absolute())
    resultat = ResultatSlurm(sortie=d.sortie, nombre_parts=nombre_parts,
                             commande_fusion=commande_de_fusion(d.sortie, nombre_parts))
    parts = sorted(set(parts or range(1, nombre_parts + 1)))
    if nombre_parts < 1 or not all(1 <= p <= nombre_parts for p in parts):
        resultat.erreur = f"parts invalides : {parts} (attendu des numéros de 1 à {nombre_parts})"
        return resultat
    try:
        etudiants = _etudiants_par_part(remises, nombre_parts)
    except FileNotFoundError as erreur:
        resultat.erreur = str(erreur)
        return resultat
    resultat.erreur = _verifier_nombre_parts(d, nombre_parts)
    if resultat.erreur:
        return resultat
    for dossier in (d.slurm / "codes", d.slurm / "journaux", d.sortie / "parts"):
        dossier.mkdir(parents=True, exist_ok=True)
    for p in parts:  # le code d'une soumission précédente ne doit pas passer pour celui-ci
        d.code(p).unlink(missing_ok=True)
    resultat.script = d.slurm / f"correction-{datetime.now():%Y%m%d-%H%M%S-%f}.sbatch"
    resultat.script.write_text(script_batch(remises=remises, sortie=d.sortie, nombre_parts=nombre_parts, parts=parts,
                                            cpus_par_tache=cpus_par_tache, duree=duree, delai_cellule=delai_cellule),
                               encoding="utf-8")
    code, texte, message = _commande(["sbatch", "--parsable", f"--output={d.slurm / 'journaux' / 'part%a-%A.txt'}",
                                    *options_sbatch, str(resultat.script)])
    if code != 0:
        resultat.erreur = message if code in (124, 127) else f"sbatch a refusé la soumission : {message or texte}"
        return resultat
    resultat.job_id = texte.strip().split(";")[0]
    resultat.parts_soumises = parts
    print(f"Soumis : job Slurm {resultat.job_id}, part(s) {','.join(map(str, parts))} (sur {nombre_parts}) "
          f"(script : {resultat.script})", file=ecran, flush=True)
    if soumettre_seulement:
        print(f"Suivi : squeue -r -j {resultat.job_id}\nQuand toutes les tâches seront finies, fusionnez avec :\n  "
              + shlex.join([python_du_depot(), "-m", "autograder.correction.slurm", str(Path(remises).absolute()),
                            "--sortie", str(d.sortie), "--nombre-parts", str(nombre_parts), "--fusionner"]),
              file=ecran)
        return resultat
    try:
        resultat.taches = _suivre(resultat, etudiants, intervalle, ecran)
    except KeyboardInterrupt:
        print(f"\nSuivi interrompu : les tâches continuent sur le cluster (squeue -r -j {resultat.job_id}). "
              f"Fusion plus tard : même commande avec --fusionner.", file=ecran)
        raise
    if resultat.echecs:
        resultat.erreur = f"{len(resultat.echecs)} part(s) en échec : pas de fusion."
        print(resultat.erreur, file=ecran)
        _dire_echecs(resultat, remises, ecran)
        return resultat
    fusion = fusionner_si_complet(remises=remises, sortie=d.sortie, nombre_parts=nombre_parts, ecran=ecran)
    resultat.fusionne, resultat.erreur = fusion.fusionne, fusion.erreur
    if fusion.echecs:  # une part hors de cette soumission n'a pas été corrigée
        resultat.taches = fusion.taches
    return resultat


def _liste_de_parts(texte):
    try:
        return [int(x) for x in texte.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"liste de parts invalide : {texte} (attendu par exemple 3,7)") from None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.correction.slurm", description=__doc__.split("\n")[0])
    parser.add_argument("remises", type=Path, help="dossier des remises (visible des nœuds du cluster)")
    parser.add_argument("--sortie", "--out", type=Path, required=True, help="dossier des résultats (partagé)")
    parser.add_argument("--nombre-parts", type=int, required=True, help="nombre de parts (tâches du tableau)")
    parser.add_argument("--parts", type=_liste_de_parts, help="ne soumettre que ces parts, par exemple 3,7")
    parser.add_argument("--cpus-par-tache", type=int, default=2, help="cœurs par tâche (défaut : 2)")
    parser.add_argument("--duree", default="4:00:00", help="durée maximale d'une tâche (défaut : 4:00:00)")
    parser.add_argument("--sbatch", default="", help="options de sbatch en plus, p. ex. \"--partition=cours\"")
    parser.add_argument("--delai-cellule", type=int, default=None, help="délai par cellule, en secondes")
    parser.add_argument("--intervalle", type=float, default=10.0, help="secondes entre deux relevés de squeue")
    parser.add_argument("--soumettre-seulement", action="store_true", help="soumettre, afficher la tâche et la "
                        "commande de fusion, puis rendre la main")
    parser.add_argument("--fusionner", action="store_true", help="ne rien soumettre : fusionner les parts finies")
    args = parser.parse_args(argv)
    try:
        if args.fusionner:
            resultat = fusionner_si_complet(remises=args.remises, sortie=args.sortie, nombre_parts=args.nombre_parts)
        else:
            resultat = corriger_sur_slurm(
                remises=args.remises, sortie=args.sortie, nombre_parts=args.nombre_parts, parts=args.parts,
                cpus_par_tache=args.cpus_par_tache, duree=args.duree, options_sbatch=shlex.split(args.sbatch),
                soumettre_seulement=args.soumettre_seulement, delai_cellule=args.delai_cellule,
                intervalle=args.intervalle)
    except FileNotFoundError as erreur:
        parser.error(str(erreur))
    except KeyboardInterrupt:
        return 130
    if resultat.erreur:
        print(resultat.erreur, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
