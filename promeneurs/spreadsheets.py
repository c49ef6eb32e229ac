"""Files for spreadsheets in French: CSV that French Excel opens in columns, and XLSX.

Every file the portal writes for a spreadsheet goes through here: the admin's exports
(django-import-export formats below) and the portal's own CSV writers (`csv_response`).

- CSV: UTF-8 with a byte-order mark (accents read right), `;` between cells, decimal commas;
- XLSX: numbers stay numbers;
- in both, a cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a
  tab or a carriage return) is neutralised by a leading apostrophe, so a name typed
  `=HYPERLINK(…)` in a form is shown as text, never executed.
"""

import csv
import io
from decimal import Decimal

import tablib
from django.http import HttpResponse
from import_export.formats import base_formats

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
BOM = "\ufeff"


def neutralise(value):
    """A cell's value made safe for a spreadsheet: text that could run as a formula gets a
    leading apostrophe; numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def french_number(value):
    """A number as French text for a CSV cell: decimal comma, no grouping (1700,5)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    return value


def csv_cell(value):
    if value is None:
        return ""
    return neutralise(french_number(value))


def write_csv(stream, header, rows):
    writer = csv.writer(stream, delimiter=CSV_DELIMITER)
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])


def csv_response(filename, header, rows):
    """A CSV download for a spreadsheet in French (BOM, `;`, decimal commas, formulas neutralised)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    write_csv(response, header, rows)
    return response


def xlsx_bytes(header, rows, title="Export"):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([neutralise(cell) for cell in header])
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename, header, rows, title="Export"):
    response = HttpResponse(xlsx_bytes(header, rows, title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- django-import-export formats ---------------------------------------------------------------


class FrenchCSV(base_formats.CSV):
    """CSV for French spreadsheets. On import, `;` and `,` files are both read (the separator is
    the one of the header line) and a byte-order mark is dropped."""

    def get_title(self):
        return "csv"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        in_stream = in_stream.removeprefix(BOM)
        header = in_stream.split("\n", 1)[0]
        delimiter = ";" if header.count(";") >= header.count(",") and ";" in header else ","
        dataset = tablib.Dataset()
        reader = csv.reader(io.StringIO(in_stream), delimiter=delimiter)
        for index, row in enumerate(reader):
            if index == 0:
                dataset.headers = [cell.strip() for cell in row]
            elif any(cell.strip() for cell in row):
                width = len(dataset.headers)
                dataset.append((row + [""] * width)[:width])
        return dataset

    def export_data(self, dataset, **kwargs):
        stream = io.StringIO()
        write_csv(stream, dataset.headers or [], dataset)
        return BOM + stream.getvalue()


class FrenchXLSX(base_formats.XLSX):
    """XLSX whose cells are neutralised (openpyxl would store `=…` text as a formula)."""

    def get_title(self):
        return "xlsx"

    def create_dataset(self, in_stream):
        dataset = super().create_dataset(in_stream)
        # Blank lines at the end of a sheet are not rows of data.
        kept = tablib.Dataset(headers=[str(h).strip() if h is not None else "" for h in dataset.headers])
        for row in dataset:
            if any(cell not in (None, "") for cell in row):
                kept.append(["" if cell is None else cell for cell in row])
        return kept

    def export_data(self, dataset, **kwargs):
        return xlsx_bytes(dataset.headers or [], dataset)
