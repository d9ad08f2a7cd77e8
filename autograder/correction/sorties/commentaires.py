"""Commentaires automatiques des retours aux étudiants, en français.

À la correction, nbgrader (``SaveAutoGrades``) écrit le commentaire anglais « No response. »
pour toute cellule de réponse que l'étudiant n'a pas modifiée, puis ``GetGrades`` le recopie
dans ``cell.metadata.nbgrader.comment`` au moment des retours. Le préprocesseur
:class:`CommentairesFrancais`, placé juste après ``GetGrades`` dans
``c.GenerateFeedback.preprocessors``, le remplace par un message français pour les réponses
notées, et le retire pour les cellules facultatives. Les commentaires écrits par un
correcteur ne sont pas touchés.
"""
import re

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

#: Commentaire automatique de nbgrader 0.9 pour une cellule de réponse non modifiée.
COMMENTAIRE_NBGRADER_SANS_REPONSE = "No response."


class CommentairesFrancais(NbGraderPreprocessor):
    """Remplace le « No response. » de nbgrader par un message français, ou rien."""

    sans_reponse = Unicode(
        "Cellule non modifiée\u00a0: rien n'a été répondu ici. Complétez chaque `...`, "
        "puis exécutez la cellule de vérification qui suit.",
        help="Commentaire d'une cellule de réponse notée que l'étudiant n'a pas modifiée.",
    ).tag(config=True)
    reponses_notees = Unicode(
        r"^ex\d+",
        help="Expression régulière des grade_id des réponses notées ; les autres cellules de "
        "réponse (parties facultatives) non modifiées n'ont pas de commentaire.",
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("comment") == COMMENTAIRE_NBGRADER_SANS_REPONSE:
            notee = re.search(self.reponses_notees, meta.get("grade_id", ""))
            meta["comment"] = self.sans_reponse if notee else None
        return cell, resources
