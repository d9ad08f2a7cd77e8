"""Retours des étudiants renvoyés dans Moodle : ``OUT/retours_moodle.zip``.

Moodle (devoir › « Déposer plusieurs fichiers de feed-back dans un ZIP ») lit chaque partie
du chemin d'un fichier du zip comme ``nomcomplet_idparticipant_typeplugin_nomplugin``,
coupée aux soulignés (``explode('_', partie, 5)`` dans
mod/assign/feedback/file/importziplib.php) : le 2ᵉ morceau doit être l'identifiant de
participant, numérique. Chaque retour va donc dans
``Prénom Nom_<id>_assignfeedback_file/retour_tp_diffusion.html``, avec l'identifiant tiré
du dossier de la remise (« Télécharger tous les travaux remis » :
``Prénom Nom_<id>_assignsubmission_file_/``). Comme Moodle à l'export, les soulignés du
nom deviennent des espaces (sinon l'identifiant ne serait plus le 2ᵉ morceau).
"""
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.correction.soumissions import MOODLE

NOM_ZIP = "retours_moodle.zip"
NOM_RETOUR = "retour_tp_diffusion.html"


@dataclass(frozen=True)
class ParticipantMoodle:
    nom_complet: str
    participant: str

    def dossier_retour(self):
        return f"{self.nom_complet.replace('_', ' ')}_{self.participant}_assignfeedback_file"


@dataclass(frozen=True)
class ResultatZip:
    """``chemin`` : le zip écrit (None sans aucun nom Moodle) ; ``sans_moodle`` : étudiants absents du zip."""
    chemin: Path | None
    inclus: list
    sans_moodle: list

    def message(self):
        if self.chemin is None:
            return ("Pas de retours_moodle.zip : aucune remise n'a un nom de dossier Moodle "
                    "(« Prénom Nom_<id>_assignsubmission_file_ »).")
        texte = f"Retours pour Moodle : {self.chemin} ({len(self.inclus)} étudiant(s))"
        if self.sans_moodle:
            texte += f" ; sans nom Moodle, absents du zip : {', '.join(self.sans_moodle)}"
        return texte


def participant_moodle(chemin) -> ParticipantMoodle | None:
    """Participant Moodle d'une remise, d'après le nom de son dossier (ou fichier) ; sinon None."""
    for partie in reversed(Path(chemin).parts):
        trouve = MOODLE.match(partie)  # dossier, ou fichier « …_file_tp.ipynb »
        if trouve:
            return ParticipantMoodle(trouve["nom"].strip(), trouve["participant"])
    return None


def ecrire_zip(sortie: Path, etats) -> ResultatZip:
    """Écrit ``sortie/retours_moodle.zip`` à partir de ``sortie/feedback/<étudiant>.html``.

    ``etats`` : états de la correction (``etudiant``, ``fichier``). Sans aucune remise au
    nom Moodle, aucun zip (un zip précédent est retiré : il serait périmé).
    """
    sortie = Path(sortie)
    inclus, sans_moodle, entrees = [], [], []
    for etat in sorted(etats, key=lambda e: e["etudiant"]):
        participant = participant_moodle(etat.get("fichier", ""))
        retour = sortie / "feedback" / f"{etat['etudiant']}.html"
        if participant is None or not retour.exists():
            sans_moodle.append(etat["etudiant"])
            continue
        inclus.append(etat["etudiant"])
        entrees.append((f"{participant.dossier_retour()}/{NOM_RETOUR}", retour))
    chemin = sortie / NOM_ZIP
    if not entrees:
        chemin.unlink(missing_ok=True)
        return ResultatZip(None, [], sans_moodle)
    temporaire = chemin.with_name(f".{NOM_ZIP}.tmp")
    with zipfile.ZipFile(temporaire, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for nom, fichier in entrees:
            archive.write(fichier, nom)
    temporaire.replace(chemin)
    return ResultatZip(chemin, inclus, sans_moodle)
