"""Petition cases (信访事项) under the 2022 《信访工作条例》: intake, lifecycle, participants."""
