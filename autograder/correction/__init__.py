"""Correction d'une classe : remises (``soumissions``), remise en ordre des cellules
(``reconstruction``), bac à sable (``sandbox``), préprocesseurs nbgrader, une copie
(``copie``), la classe (``classe``), notes et rapports (``rapport``), fusion des parts
(``fusion``)."""
