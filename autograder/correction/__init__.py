"""Correction d'une classe : remises (``soumissions``), remise en ordre des cellules
(``reconstruction``), bac à sable (``sandbox``), préprocesseurs nbgrader, une copie
(``copie``), la classe (``classe``), notes et CSV (``notes``), résumé et pages de retour
(``rapport``), dossier de sortie sans perte (``archives``), fusion des parts (``fusion``)."""
