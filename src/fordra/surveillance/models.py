"""Efterbevakning (surveillance) and the limitation (preskription) tracker."""
